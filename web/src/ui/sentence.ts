/** A server message ("this link is invalid…") as a sentence: capitalized, ending with a full stop. */
export function sentence(message: string): string {
  const text = message.trim();
  if (!text) return text;
  const capitalized = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalized) ? capitalized : `${capitalized}.`;
}
