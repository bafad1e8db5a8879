"use client";
/** A user picker: searches GET /api/v1/users?q=… (at least two characters, at most ten answers) as you type. */
import { apiCall } from "./api-client";
import { SearchCombobox } from "./search-combobox";

export interface UserChoice {
  id: string;
  displayName: string;
  username: string | null;
}

interface Props {
  label: string;
  name: string;
  errors?: string[];
  /** Bumped by the form after it is sent, to clear the choice. */
  resetKey?: number;
}

export function UserCombobox({ label, name, errors, resetKey = 0 }: Props) {
  return (
    <SearchCombobox<UserChoice>
      key={resetKey}
      label={label}
      name={name}
      errors={errors}
      noun="users"
      placeholder="Type a name, username or email"
      minChars={2}
      search={async (q) => (await apiCall<{ users: UserChoice[] }>("GET", `/api/v1/users?${new URLSearchParams({ q })}`)).users}
      textOf={(c) => (c.username ? `${c.displayName} (${c.username})` : c.displayName)}
      valueOf={(c) => c.id}
      renderChoice={(c) => (
        <>
          <span className="font-medium">{c.displayName}</span>
          {c.username && <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{c.username}</span>}
        </>
      )}
    />
  );
}
