import QRCode from "qrcode";

/** A QR code as inline SVG, rendered on the server (no network, no canvas). */
export async function QrCode({ text, label, size = 200 }: { text: string; label: string; size?: number }) {
  const svg = await QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 1, width: size });
  return (
    <figure className="inline-flex flex-col items-center gap-1">
      <div role="img" aria-label={label} className="rounded bg-white p-2" style={{ width: size + 16 }} dangerouslySetInnerHTML={{ __html: svg }} />
      <figcaption className="text-xs text-slate-500 dark:text-slate-400">{label}</figcaption>
    </figure>
  );
}
