/** The mark: three hosts joined through a lighthouse. */
export function Logo({ className = "h-7 w-7" }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden>
      <circle cx="16" cy="16" r="5" className="fill-indigo-500" />
      <g className="stroke-indigo-400" strokeWidth="2">
        <line x1="16" y1="16" x2="5" y2="7" />
        <line x1="16" y1="16" x2="27" y2="9" />
        <line x1="16" y1="16" x2="14" y2="28" />
      </g>
      <circle cx="5" cy="7" r="3" className="fill-sky-400" />
      <circle cx="27" cy="9" r="3" className="fill-sky-400" />
      <circle cx="14" cy="28" r="3" className="fill-sky-400" />
    </svg>
  );
}
