"use client";
/**
 * A node picker that asks the server as you type (GET /api/v1/networks/:id/nodes?q=…&pageSize=8),
 * for networks too large for a select of every node. Follows the WAI-ARIA combobox pattern:
 * arrow keys move through the choices, Enter picks, Escape closes. The form receives the chosen
 * node's id (or name) in a hidden input; nothing chosen sends an empty value, which the API refuses
 * with a field error.
 */
import { useId, useRef, useState } from "react";
import { apiCall } from "./api-client";
import { describedBy, FieldFrame, inputClass } from "./form-controls";

export interface NodeChoice {
  id: string;
  name: string;
  ip: string | null;
  status: string;
}

const CHOICES = 8;
const SEARCH_DELAY_MS = 200;

interface Props {
  networkId: string;
  label: string;
  name: string;
  /** What the form receives: the node's id (default) or its name. */
  submit?: "id" | "name";
  initial?: NodeChoice | null;
  errors?: string[];
}

export function NodeCombobox({ networkId, label, name, submit = "id", initial = null, errors }: Props) {
  const id = useId();
  const listId = `${id}-choices`;
  const [text, setText] = useState(initial?.name ?? "");
  const [chosen, setChosen] = useState<NodeChoice | null>(initial);
  const [choices, setChoices] = useState<NodeChoice[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [state, setState] = useState<"idle" | "searching" | "failed">("idle");
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(0);

  function search(q: string) {
    clearTimeout(timer.current);
    setOpen(true);
    setState("searching");
    timer.current = setTimeout(async () => {
      const mine = ++latest.current;
      try {
        const page = await apiCall<{ nodes: NodeChoice[] }>("GET", `/api/v1/networks/${networkId}/nodes?${new URLSearchParams({ q, pageSize: String(CHOICES) })}`);
        // An answer to an older keystroke that arrives late is dropped.
        if (mine !== latest.current) return;
        setChoices(page.nodes.map(({ id: nodeId, name: nodeName, ip, status }) => ({ id: nodeId, name: nodeName, ip, status })));
        setActive(page.nodes.length ? 0 : -1);
        setState("idle");
      } catch {
        if (mine === latest.current) setState("failed");
      }
    }, SEARCH_DELAY_MS);
  }

  function choose(choice: NodeChoice) {
    setChosen(choice);
    setText(choice.name);
    setOpen(false);
  }

  const showList = open && choices.length > 0 && state !== "failed";
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
          placeholder="Type a name or address"
          className={inputClass}
          value={text}
          onFocus={() => {
            if (!open) search(chosen ? "" : text.trim());
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
        <input type="hidden" name={name} value={chosen ? chosen[submit] : ""} />
        <ul id={listId} role="listbox" aria-label={`${label}: matching nodes`} hidden={!showList} className="absolute z-20 mt-1 max-h-72 w-full overflow-auto rounded-md border border-slate-200 bg-white py-1 shadow-lg dark:border-slate-700 dark:bg-slate-900">
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
              <span className="font-medium">
                {c.name}
                {c.status !== "active" && <span className="font-normal text-slate-600 dark:text-slate-400"> ({c.status})</span>}
              </span>
              <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{c.ip ?? "no address"}</span>
            </li>
          ))}
        </ul>
        {open && !showList && (
          <p role="status" className="mt-1 text-xs text-slate-600 dark:text-slate-400">
            {state === "searching" ? "Searching…" : state === "failed" ? "Could not search the nodes; try again." : "No node matches."}
          </p>
        )}
      </div>
    </FieldFrame>
  );
}
