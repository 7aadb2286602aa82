// amqplib's Mux writes each frame to the socket on its own; with TCP_NODELAY (which the drain
// needs so that a lone queue.declare or basic.consume is not held for a delayed ACK) every
// publish then becomes its own syscall and TCP segment, and the broker pays a read for each.
// Corking the socket for one pass of the Mux sends everything that pass wrote in one writev.
import mux from '../../../../node_modules/amqplib/lib/mux.js';

interface Corkable {
  cork?: () => void;
  uncork?: () => void;
}
interface MuxInstance {
  out: Corkable;
}
const Mux = (mux as { Mux: { prototype: { _readIncoming(this: MuxInstance): void } } }).Mux;
const readIncoming = Mux.prototype._readIncoming;
Mux.prototype._readIncoming = function (this: MuxInstance) {
  const out = this.out;
  if (typeof out.cork !== 'function' || typeof out.uncork !== 'function') return readIncoming.call(this);
  out.cork();
  try {
    readIncoming.call(this);
  } finally {
    out.uncork();
  }
};
