// How the console names a verified user (docs/identity.md): only the server's `identity`
// field counts, and it is only present when the user's proof was verified.

/**
 * "✓ Ada Lovelace <ada@example.com> · user 42", or "" without a verified identity.
 * @param {{user_id: string, verified: boolean, name?: string, email?: string} | undefined} identity
 */
export function identityLabel(identity) {
  if (!identity || identity.verified !== true) return "";
  const who = [identity.name, identity.email ? "<" + identity.email + ">" : ""].filter(Boolean).join(" ");
  return "✓ verified " + (who ? who + " · " : "") + "user " + identity.user_id;
}
