declare module '*/amqplib/lib/codec.js' {
  const codec: { decodeFields: (slice: Buffer) => unknown };
  export default codec;
}

declare module '*/amqplib/lib/mux.js' {
  const mux: unknown;
  export default mux;
}
