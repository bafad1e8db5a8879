/**
 * The words a person sees about a join link, shared by the join page, the enroll API and the
 * install script, so that every door says the same thing. They name nothing about the link.
 */
export const UNUSABLE_LINK = {
  title: "This join link cannot be used",
  detail: "It may have expired, been used up or been revoked.",
  advice: "Ask the network's administrator for a new link.",
} as const;

export const UNUSABLE_LINK_TEXT = `${UNUSABLE_LINK.title}. ${UNUSABLE_LINK.detail} ${UNUSABLE_LINK.advice}`;

export const hostnameTaken = (name: string) => `A node named "${name}" already exists in this network; choose another hostname`;
