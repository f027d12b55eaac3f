// The few host globals the pure folders may use: ones every place they run has (Node 18+, the
// browser, web and worker threads). tsconfig.pure.json checks the pure folders against ES2022 plus
// this file, so anything else (the DOM, Node's modules, the disk) fails to type-check there.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
declare function btoa(data: string): string;
declare function atob(data: string): string;
declare const crypto: { readonly subtle: { digest(algorithm: "SHA-256", data: Uint8Array): Promise<ArrayBuffer> } };
