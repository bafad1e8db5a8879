"use client";
/**
 * A user picker that asks the server as you type (GET /api/v1/users?q=…, at least two characters,
 * at most ten answers). The WAI-ARIA combobox pattern, as NodeCombobox: arrow keys move, Enter
 * picks, Escape closes. The form receives the chosen user's id in a hidden input; nothing chosen
 * sends an empty value, which the API refuses with a field error.
 */
import { useId, useRef, useState } from "react";
import { apiCall } from "./api-client";
import { describedBy, FieldFrame, inputClass } from "./form-controls";

export interface UserChoice {
  id: string;
  displayName: string;
  username: string | null;
}

const MIN_CHARS = 2;
const SEARCH_DELAY_MS = 200;

interface Props {
  label: string;
  name: string;
  errors?: string[];
  /** Bumped by the form after it is sent, to clear the choice. */
  resetKey?: number;
}

export function UserCombobox({ label, name, errors, resetKey = 0 }: Props) {
  return <Picker key={resetKey} label={label} name={name} errors={errors} />;
}

function Picker({ label, name, errors }: Omit<Props, "resetKey">) {
  const id = useId();
  const listId = `${id}-choices`;
  const [text, setText] = useState("");
  const [chosen, setChosen] = useState<UserChoice | null>(null);
  const [choices, setChoices] = useState<UserChoice[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [state, setState] = useState<"short" | "searching" | "idle" | "failed">("short");
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(0);

  function search(q: string) {
    clearTimeout(timer.current);
    setOpen(true);
    const mine = ++latest.current;
    if (q.length < MIN_CHARS) {
      setChoices([]);
      setState("short");
      return;
    }
    setState("searching");
    timer.current = setTimeout(async () => {
      try {
        const page = await apiCall<{ users: UserChoice[] }>("GET", `/api/v1/users?${new URLSearchParams({ q })}`);
        // An answer to an older keystroke that arrives late is dropped.
        if (mine !== latest.current) return;
        setChoices(page.users);
        setActive(page.users.length ? 0 : -1);
        setState("idle");
      } catch {
        if (mine === latest.current) setState("failed");
      }
    }, SEARCH_DELAY_MS);
  }

  function choose(choice: UserChoice) {
    setChosen(choice);
    setText(choice.username ? `${choice.displayName} (${choice.username})` : choice.displayName);
    setOpen(false);
  }

  const showList = open && choices.length > 0 && state === "idle";
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
          placeholder="Type a name, username or email"
          className={inputClass}
          value={text}
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
        <input type="hidden" name={name} value={chosen?.id ?? ""} />
        <ul id={listId} role="listbox" aria-label={`${label}: matching users`} hidden={!showList} className="absolute z-20 mt-1 max-h-72 w-full overflow-auto rounded-md border border-slate-200 bg-white py-1 shadow-lg dark:border-slate-700 dark:bg-slate-900">
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
              <span className="font-medium">{c.displayName}</span>
              {c.username && <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{c.username}</span>}
            </li>
          ))}
        </ul>
        {open && !showList && (
          <p role="status" className="mt-1 text-xs text-slate-600 dark:text-slate-400">
            {state === "short" ? `Type at least ${MIN_CHARS} characters.` : state === "searching" ? "Searching…" : state === "failed" ? "Could not search the users; try again." : "No user matches."}
          </p>
        )}
      </div>
    </FieldFrame>
  );
}
