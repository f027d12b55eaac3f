// CSS files are bundled as text (esbuild's text loader) and injected as a <style> element.
declare module "*.css" {
  const text: string;
  export default text;
}
