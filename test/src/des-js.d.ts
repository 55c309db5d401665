/** The part of des.js (no published types) the RFB client uses: DES in ECB mode. */
declare module 'des.js' {
  interface Cipher {
    update(data: Uint8Array): number[];
    final(): number[];
  }
  export const DES: {
    create(options: { type: 'encrypt' | 'decrypt'; key: Uint8Array; padding?: boolean }): Cipher;
  };
}
