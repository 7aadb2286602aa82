declare module '*/amqplib/lib/codec.js' {
  const codec: { decodeFields: (slice: Buffer) => unknown };
  export default codec;
}
