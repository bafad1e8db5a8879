"use client";
/**
 * A picker that asks the server as you type, for lists too long for a select (10,000 nodes, every
 * user of the instance). Follows the WAI-ARIA combobox pattern: arrow keys move through the
 * choices, Enter picks, Escape closes. The form receives the chosen item's value in a hidden input;
 * nothing chosen sends an empty value, which the API refuses with a field error. NodeCombobox and
 * UserCombobox say what is searched and how a choice reads.
 */
import { useId, useRef, useState, type ReactNode } from "react";
import { describedBy, FieldFrame, inputClass } from "./form-controls";

const SEARCH_DELAY_MS = 200;

export interface SearchComboboxProps<T extends { id: string }> {
  label: string;
  name: string;
  errors?: string[];
  placeholder: string;
  /** What the list holds, in the plural ("nodes", "users"), for its label and its messages. */
  noun: string;
  /** Shorter queries are not sent (the user search needs two characters). */
  minChars?: number;
  /** Whether focusing the empty field already lists the first matches. */
  searchOnFocus?: boolean;
  initial?: T | null;
  search: (q: string) => Promise<T[]>;
  /** What the field shows once an item is chosen. */
  textOf: (choice: T) => string;
  /** What the form receives for the chosen item. */
  valueOf: (choice: T) => string;
  renderChoice: (choice: T) => ReactNode;
}

export function SearchCombobox<T extends { id: string }>({ label, name, errors, placeholder, noun, minChars = 0, searchOnFocus = false, initial = null, search: fetchChoices, textOf, valueOf, renderChoice }: SearchComboboxProps<T>) {
  const id = useId();
  const listId = `${id}-choices`;
  const [text, setText] = useState(initial ? textOf(initial) : "");
  const [chosen, setChosen] = useState<T | null>(initial);
  const [choices, setChoices] = useState<T[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [state, setState] = useState<"short" | "searching" | "idle" | "failed">(minChars > 0 ? "short" : "idle");
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(0);

  function search(q: string) {
    clearTimeout(timer.current);
    setOpen(true);
    const mine = ++latest.current;
    if (q.length < minChars) {
      setChoices([]);
      setState("short");
      return;
    }
    setState("searching");
    timer.current = setTimeout(async () => {
      try {
        const found = await fetchChoices(q);
        // An answer to an older keystroke that arrives late is dropped.
        if (mine !== latest.current) return;
        setChoices(found);
        setActive(found.length ? 0 : -1);
        setState("idle");
      } catch {
        if (mine === latest.current) setState("failed");
      }
    }, SEARCH_DELAY_MS);
  }

  function choose(choice: T) {
    setChosen(choice);
    setText(textOf(choice));
    setOpen(false);
  }

  // While a new search runs, the last answer stays on screen rather than flickering away.
  const showList = open && choices.length > 0 && (state === "idle" || state === "searching");
  const message = state === "short" ? `Type at least ${minChars} characters.` : state === "searching" ? "Searching…" : state === "failed" ? `Could not search the ${noun}; try again.` : `No ${noun} match.`;
  return (
    <FieldFrame id={id} label={label} name={name} errors={errors}>
      <div className="relative">
        <input
          id={id}
          role="combobox"
          aria-expanded={showList}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={showList && active >= 0 ? `${listId}-${active}` : undefined}
          aria-invalid={Boolean(errors?.length)}
          aria-describedby={describedBy(id, errors)}
          autoComplete="off"
          placeholder={placeholder}
          className={inputClass}
          value={text}
          onFocus={() => {
            if (searchOnFocus && !open) search(chosen ? "" : text.trim());
          }}
          onChange={(e) => {
            setText(e.target.value);
            setChosen(null);
            search(e.target.value.trim());
          }}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              if (!open) return search(text.trim());
              const step = e.key === "ArrowDown" ? 1 : -1;
              setActive((a) => (choices.length ? (a + step + choices.length) % choices.length : -1));
            } else if (e.key === "Enter" && showList && active >= 0) {
              e.preventDefault();
              choose(choices[active]!);
            } else if (e.key === "Escape") {
              setOpen(false);
            }
          }}
          onBlur={() => setOpen(false)}
        />
        <input type="hidden" name={name} value={chosen ? valueOf(chosen) : ""} />
        <ul id={listId} role="listbox" aria-label={`${label}: matching ${noun}`} hidden={!showList} className="absolute z-20 mt-1 max-h-72 w-full overflow-auto rounded-md border border-slate-200 bg-white py-1 shadow-lg dark:border-slate-700 dark:bg-slate-900">
          {choices.map((c, i) => (
            <li
              key={c.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              // mousedown, not click: it comes before the input's blur closes the list.
              onMouseDown={(e) => {
                e.preventDefault();
                choose(c);
              }}
              className={`flex cursor-pointer items-baseline justify-between gap-3 px-3 py-1.5 text-sm ${i === active ? "bg-indigo-50 dark:bg-indigo-950" : ""}`}
            >
              {renderChoice(c)}
            </li>
          ))}
        </ul>
        {open && !showList && (
          <p role="status" className="mt-1 text-xs text-slate-600 dark:text-slate-400">
            {message}
          </p>
        )}
      </div>
    </FieldFrame>
  );
}
