"use client";
/** Inputs with their label and inline errors; every form in the app uses these. */
import { useId } from "react";

export const inputClass =
  "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/40 aria-[invalid=true]:border-red-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100";

export const buttonClass =
  "inline-flex items-center justify-center gap-2 rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 disabled:cursor-not-allowed disabled:opacity-60 dark:focus-visible:ring-offset-slate-950";

export const secondaryButtonClass =
  "inline-flex items-center justify-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 disabled:opacity-60 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800";

export const dangerButtonClass =
  "inline-flex items-center justify-center gap-2 rounded-md bg-red-600 px-3 py-2 text-sm font-medium text-white hover:bg-red-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-500 disabled:opacity-60";

/** Label, control, hint and inline error: the frame every form field shares. */
export function FieldFrame({ id, label, name, errors, hint, children }: { id: string; label: string; name: string; errors?: string[]; hint?: React.ReactNode; children: React.ReactNode }) {
  const invalid = Boolean(errors?.length);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700 dark:text-slate-300">
        {label}
      </label>
      {children}
      {hint && !invalid && (
        <p id={`${id}-hint`} className="text-xs text-slate-500 dark:text-slate-400">
          {hint}
        </p>
      )}
      {invalid && (
        <p id={`${id}-error`} data-field-error={name} className="text-sm text-red-600 dark:text-red-400">
          {errors!.join(" ")}
        </p>
      )}
    </div>
  );
}

export function describedBy(id: string, errors?: string[], hint?: React.ReactNode): string | undefined {
  return errors?.length ? `${id}-error` : hint ? `${id}-hint` : undefined;
}

interface FieldProps extends React.InputHTMLAttributes<HTMLInputElement> {
  label: string;
  name: string;
  errors?: string[];
  hint?: React.ReactNode;
}

export function Field({ label, name, errors, hint, ...input }: FieldProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} name={name} errors={errors} hint={hint}>
      <input id={id} name={name} aria-invalid={Boolean(errors?.length)} aria-describedby={describedBy(id, errors, hint)} className={inputClass} {...input} />
    </FieldFrame>
  );
}

export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div role="alert" data-form-error className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      {message}
    </div>
  );
}

export function Spinner() {
  return <span aria-hidden className="h-4 w-4 animate-spin rounded-full border-2 border-white/40 border-t-white" />;
}

interface SelectProps extends React.SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  name: string;
  errors?: string[];
  options: Array<{ value: string; label: string }>;
}

export function SelectField({ label, name, errors, options, ...select }: SelectProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} name={name} errors={errors}>
      <select id={id} name={name} aria-invalid={Boolean(errors?.length)} aria-describedby={describedBy(id, errors)} className={inputClass} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

interface TextAreaProps extends React.TextareaHTMLAttributes<HTMLTextAreaElement> {
  label: string;
  name: string;
  errors?: string[];
  hint?: React.ReactNode;
}

export function TextAreaField({ label, name, errors, hint, ...area }: TextAreaProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} name={name} errors={errors} hint={hint}>
      <textarea id={id} name={name} aria-invalid={Boolean(errors?.length)} aria-describedby={describedBy(id, errors, hint)} className={`${inputClass} font-mono text-xs`} {...area} />
    </FieldFrame>
  );
}

/** Checkbox chips for picking several names (groups). */
export function ChipPicker({ label, name, options, value, onChange, errors }: { label: string; name: string; options: string[]; value: string[]; onChange: (v: string[]) => void; errors?: string[] }) {
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">{label}</legend>
      {options.length === 0 && <p className="text-xs text-slate-500 dark:text-slate-400">No groups yet: create them on the Groups tab.</p>}
      <div className="flex flex-wrap gap-2">
        {options.map((o) => {
          const on = value.includes(o);
          return (
            <label key={o} className={`cursor-pointer rounded-full border px-3 py-1 text-xs focus-within:ring-2 focus-within:ring-indigo-500 ${on ? "border-indigo-500 bg-indigo-50 text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200" : "border-slate-300 dark:border-slate-700"}`}>
              <input type="checkbox" name={name} value={o} checked={on} className="sr-only" onChange={() => onChange(on ? value.filter((v) => v !== o) : [...value, o])} />
              {o}
            </label>
          );
        })}
      </div>
      {errors?.length ? (
        <p data-field-error={name} className="text-sm text-red-600 dark:text-red-400">
          {errors.join(" ")}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The lighthouse and relay switches a node or join link carries. */
export function RoleToggles({ value, onChange }: { value: { isLighthouse: boolean; isRelay: boolean }; onChange: (v: { isLighthouse: boolean; isRelay: boolean }) => void }) {
  return (
    <fieldset className="flex gap-6 md:col-span-2">
      <legend className="sr-only">Roles</legend>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={value.isLighthouse} onChange={(e) => onChange({ ...value, isLighthouse: e.target.checked })} /> Lighthouse
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={value.isRelay} onChange={(e) => onChange({ ...value, isRelay: e.target.checked })} /> Relay
      </label>
    </fieldset>
  );
}
