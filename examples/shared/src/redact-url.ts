/** `redis://user:secret@host:6379/0` → `redis://host:6379/0`, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'the REDIS_URL';
  }
}
