import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** Where the server writes e-mails when SMTP is not configured. */
export const mailDir = process.env.E2E_MAIL_DIR ?? path.resolve(import.meta.dirname, '../../.dev/mail');

/** Undoes quoted-printable: soft line breaks and =XX escapes. */
export function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

async function newestMailFor(address: string): Promise<string | null> {
  const names = (await readdir(mailDir).catch(() => [])).filter((n) => n.endsWith('.eml'));
  const files = await Promise.all(
    names.map(async (n) => {
      const file = path.join(mailDir, n);
      return { file, mtime: (await stat(file)).mtimeMs };
    }),
  );
  files.sort((a, b) => b.mtime - a.mtime);
  for (const { file } of files) {
    const text = decodeQuotedPrintable(await readFile(file, 'utf8'));
    if (text.toLowerCase().includes(address.toLowerCase())) return text;
  }
  return null;
}

/**
 * The path and query of the link to `route` (e.g. `/verify-email`) in the
 * newest e-mail to `address`, waiting for the outbox to deliver it. Only the
 * path is kept so the link opens on the web app under test.
 */
export async function linkFromMail(address: string, route: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const pattern = new RegExp(
    `https?://[^\\s"'<>]+?(${route.replace(/\//g, '\\/')}\\?token=[A-Za-z0-9._~%-]+)`,
  );
  while (Date.now() < deadline) {
    const mail = await newestMailFor(address);
    const match = mail ? pattern.exec(mail.replace(/&amp;/g, '&')) : null;
    if (match?.[1]) return match[1];
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no e-mail to ${address} with a ${route} link in ${mailDir}`);
}
