// @types/novnc__novnc describes the class under its old CommonJS path; the package is ESM since 1.5.
declare module '@novnc/novnc' {
  import RFB from '@novnc/novnc/lib/rfb';
  export default RFB;
}
