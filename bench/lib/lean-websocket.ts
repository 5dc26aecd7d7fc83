import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** Called with each complete data frame's payload (a view into the read buffer: copy to keep it). */
export type FrameHandler = (payload: Buffer, opcode: number) => void;

const OPCODE = { TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** Every socket reads into this one buffer: `onread` callbacks run one at a time, synchronously. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/**
 * A minimal WebSocket client for load generation: one TCP socket read through `onread` into a
 * shared buffer (no stream machinery, no per-read allocation), no per-message events or copies,
 * no UTF-8 validation, no fragmentation (the `ws` server never fragments what it sends).
 * Client frames are masked with an all-zero key, which the protocol allows on the wire (the key
 * is meant to be unpredictable, but servers cannot check that) and which costs nothing to apply.
 *
 * The benchmark uses it so that 500 subscribers in one process cost less CPU than the server
 * they measure; `ws` clients are available behind `--client ws` for comparison.
 *
 * @example
 * const socket = await LeanWebSocket.connect('ws://127.0.0.1:4000/socket', (payload) => count(payload));
 * socket.send('["1","1","realtime:room","phx_join",{}]');
 */
export class LeanWebSocket {
  closed = false;
  private pending: Buffer | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly onFrame: FrameHandler,
  ) {
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {}); // a reset shows up as `closed`
  }

  static connect(url: string, onFrame: FrameHandler): Promise<LeanWebSocket> {
    const { hostname, port, pathname, search } = new URL(url);
    return new Promise((resolve, reject) => {
      let head: Buffer | null = Buffer.alloc(0);
      let client: LeanWebSocket | undefined;
      const onHead = (chunk: Buffer) => {
        head = Buffer.concat([head!, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('error', reject);
        const status = head.toString('latin1', 0, head.indexOf('\r\n'));
        if (!status.startsWith('HTTP/1.1 101')) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        const rest = head.subarray(end + 4);
        head = null;
        client = new LeanWebSocket(socket, onFrame);
        resolve(client);
        if (rest.length > 0) client.receive(rest);
      };
      const socket = net.connect({
        port: Number(port),
        host: hostname,
        noDelay: true,
        onread: {
          buffer: READ_BUFFER,
          callback: (bytes: number, buffer: Uint8Array) => {
            const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, bytes);
            if (client) client.receive(chunk);
            else onHead(Buffer.from(chunk)); // copied: the read buffer is reused
            return true;
          },
        },
      });
      socket.once('error', reject);
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
      );
    });
  }

  /** Sends one text (string) or binary (Buffer) frame. */
  send(data: string | Buffer): void {
    if (this.closed) return;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    this.socket.write(
      Buffer.concat([
        LeanWebSocket.header(
          typeof data === 'string' ? OPCODE.TEXT : OPCODE.BINARY,
          payload.length,
        ),
        payload,
      ]),
    );
  }

  /** Bytes queued in this process, not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  close(): void {
    if (this.closed) return;
    this.socket.end(
      Buffer.concat([LeanWebSocket.header(OPCODE.CLOSE, 2), Buffer.from([0x03, 0xe8])]),
    );
    this.socket.destroySoon();
  }

  private static header(opcode: number, length: number): Buffer {
    // FIN + opcode, MASK bit + length, then the 4-byte (all-zero) masking key.
    if (length < 126) return Buffer.from([0x80 | opcode, 0x80 | length, 0, 0, 0, 0]);
    if (length < 65_536)
      return Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]);
    const header = Buffer.alloc(14);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
    return header;
  }

  private receive(chunk: Buffer): void {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    for (;;) {
      const available = data.length - offset;
      if (available < 2) break;
      const opcode = data[offset]! & 0x0f;
      let length = data[offset + 1]! & 0x7f;
      let headerLength = 2;
      if (length === 126) {
        if (available < 4) break;
        length = data.readUInt16BE(offset + 2);
        headerLength = 4;
      } else if (length === 127) {
        if (available < 10) break;
        length = Number(data.readBigUInt64BE(offset + 2));
        headerLength = 10;
      }
      if (available < headerLength + length) break;
      const payload = data.subarray(offset + headerLength, offset + headerLength + length);
      offset += headerLength + length;
      if (opcode === OPCODE.PING)
        this.socket.write(
          Buffer.concat([LeanWebSocket.header(OPCODE.PONG, payload.length), payload]),
        );
      else if (opcode === OPCODE.CLOSE) this.socket.destroy();
      else if (opcode !== OPCODE.PONG) this.onFrame(payload, opcode);
    }
    this.pending = offset < data.length ? Buffer.from(data.subarray(offset)) : null;
  }
}
