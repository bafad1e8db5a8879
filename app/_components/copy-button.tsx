"use client";
import { useState } from "react";
import { secondaryButtonClass } from "./form-controls";

/** Copies text to the clipboard and says so; falls back to selecting a hidden textarea on old browsers. */
export function CopyButton({ text, label = "Copy", className = "" }: { text: string; label?: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  }
  return (
    <button type="button" onClick={copy} className={`${secondaryButtonClass} ${className}`} aria-live="polite">
      {copied ? "Copied ✓" : label}
    </button>
  );
}
