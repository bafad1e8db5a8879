import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main" className="mx-auto max-w-md px-4 py-24 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-slate-500 dark:text-slate-400">This page does not exist, or you do not have access to it.</p>
      <Link href="/" className="mt-6 inline-block text-indigo-600 underline dark:text-indigo-400">
        Back to your networks
      </Link>
    </main>
  );
}
