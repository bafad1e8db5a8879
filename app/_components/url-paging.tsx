"use client";
/**
 * Lists that page on the server (nodes, certificates): the filters and page number live in the
 * URL, so a view can be shared and reloaded, and the server answers with one page.
 */
import { usePathname, useRouter } from "next/navigation";
import { useRef, useState, useTransition } from "react";
import { secondaryButtonClass, Spinner } from "./form-controls";

/** How long the search waits for a pause in typing before it asks the server. */
const SEARCH_DELAY_MS = 300;

/** `query` is the filters the server read from the URL; `q` is the free-text search. */
export function useUrlFilters<K extends string>(query: Readonly<Record<K | "q", string>>) {
  const router = useRouter();
  const pathname = usePathname();
  const [loading, startTransition] = useTransition();
  const [text, setText] = useState(query.q);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  /** Empty filters and page 1 stay out of the URL, so the plain list keeps its plain address. */
  function navigate(filters: Readonly<Record<string, string | undefined>>, page: number) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (value) params.set(key, value);
    }
    if (page > 1) params.set("page", String(page));
    const search = params.toString();
    startTransition(() => router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false }));
  }

  function go(next: Partial<Record<K | "q", string>>, page = 1) {
    navigate({ ...query, ...next }, page);
  }

  function searchFor(value: string) {
    clearTimeout(timer.current);
    navigate({ ...query, q: value.trim() }, 1);
  }

  return {
    loading,
    go,
    /** Spread on the search `<input>`: typing searches once the user pauses. */
    searchInput: {
      value: text,
      onChange: (e: React.ChangeEvent<HTMLInputElement>) => {
        const value = e.target.value;
        setText(value);
        clearTimeout(timer.current);
        timer.current = setTimeout(() => searchFor(value), SEARCH_DELAY_MS);
      },
    },
    /** The search form's `onSubmit`: Enter searches at once. */
    submitSearch: (e: React.FormEvent<HTMLFormElement>) => {
      e.preventDefault();
      searchFor(text);
    },
  };
}

interface PageInfo {
  page: number;
  pages: number;
  pageSize: number;
  total: number;
}

/** "1–25 of 1,234 · page 1 of 50" with Previous/Next; nothing when everything fits on one page. */
export function Pager({ page, loading, onPage }: { page: PageInfo; loading: boolean; onPage: (page: number) => void }) {
  if (page.pages <= 1) return null;
  const first = page.total === 0 ? 0 : (page.page - 1) * page.pageSize + 1;
  const last = Math.min(page.total, page.page * page.pageSize);
  return (
    <nav className="flex items-center justify-between text-sm text-slate-600 dark:text-slate-400" aria-label="Pagination">
      <span>
        {first.toLocaleString("en")}–{last.toLocaleString("en")} of {page.total.toLocaleString("en")} · page {page.page} of {page.pages}
      </span>
      <span className="flex gap-2">
        <button type="button" className={secondaryButtonClass} disabled={page.page <= 1 || loading} onClick={() => onPage(page.page - 1)}>
          Previous
        </button>
        <button type="button" className={secondaryButtonClass} disabled={page.page >= page.pages || loading} onClick={() => onPage(page.page + 1)}>
          Next
        </button>
      </span>
    </nav>
  );
}

/** "1,234 nodes", announced as it changes, with a spinner while the next page loads. */
export function ResultCount({ total, singular, plural, loading }: { total: number; singular: string; plural: string; loading: boolean }) {
  return (
    <span className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400" aria-live="polite">
      {loading && <Spinner />}
      {total.toLocaleString("en")} {total === 1 ? singular : plural}
    </span>
  );
}
