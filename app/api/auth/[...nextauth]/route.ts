import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/auth-options";

// Built per request rather than at import, so `next build` does not need the auth secret.
function handler(req: Request, context: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(authOptions())(req, context);
}

export { handler as GET, handler as POST };
