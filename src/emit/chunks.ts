/**
 * A large output's UTF-8 bytes, built a piece at a time: the text is encoded every megabyte or
 * so, so that a deck's JSON or CSV is never also held whole as one string (a 30 MB JSON deck of
 * 10,000 cards took ~120 MB of heap to emit as one `JSON.stringify`; this way ~2× its size).
 */
const FLUSH_CHARS = 1 << 20;

export class Utf8Chunks {
  private readonly encoder = new TextEncoder();
  private readonly chunks: Uint8Array[] = [];
  private pending: string[] = [];
  private pendingChars = 0;
  private bytes = 0;

  add(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  /** The bytes of everything added. */
  done(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const chunk of this.chunks.splice(0)) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk = this.encoder.encode(this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }
}
