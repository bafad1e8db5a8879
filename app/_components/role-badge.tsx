const styles: Record<string, string> = {
  owner: "bg-indigo-100 text-indigo-800 dark:bg-indigo-900/60 dark:text-indigo-200",
  admin: "bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200",
  viewer: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
  system: "bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100",
};

export function RoleBadge({ role, label }: { role: keyof typeof styles | null; label?: string }) {
  const key = role ?? "system";
  return (
    <span data-role-badge={key} className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${styles[key]}`}>
      {label ?? role ?? "read-only"}
    </span>
  );
}
