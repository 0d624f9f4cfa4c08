// A strict-enough XML well-formedness check for the SVG the bench writes: one root element,
// balanced tags, quoted attributes without raw `<` or `&`, character data without raw `<` and with
// `&` only in entities. Not a full XML parser; it rejects everything the SVG writer must never emit.

const NAME = '[A-Za-z_][A-Za-z0-9_.:-]*';
const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;
const ATTRIBUTE = new RegExp(`^\\s+(${NAME})="([^"]*)"`);

function checkCharacterData(data: string, where: string): void {
  if (data.includes('<')) throw new Error(`raw '<' in ${where}`);
  if (data.replace(ENTITY, '').includes('&')) throw new Error(`'&' outside an entity in ${where}`);
}

/** Throws with the reason when `xml` is not well-formed; returns the root element's name. */
export function assertWellFormedXml(xml: string): string {
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const open: string[] = [];
  let root: string | undefined;
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const data = lt === -1 ? rest : rest.slice(0, lt);
    if (open.length === 0 && data.trim() !== '') throw new Error(`text outside the root element: ${data.slice(0, 40)}`);
    checkCharacterData(data, `text "${data.slice(0, 40)}"`);
    if (lt === -1) break;
    rest = rest.slice(lt);
    const close = new RegExp(`^</(${NAME})\\s*>`).exec(rest);
    if (close) {
      const expected = open.pop();
      if (expected !== close[1]) throw new Error(`</${close[1]}> closes <${expected ?? 'nothing'}>`);
      rest = rest.slice(close[0].length);
      continue;
    }
    const start = new RegExp(`^<(${NAME})`).exec(rest);
    if (!start) throw new Error(`not a tag: ${rest.slice(0, 40)}`);
    const name = start[1] as string;
    if (open.length === 0 && root !== undefined) throw new Error(`a second root element <${name}>`);
    root ??= name;
    rest = rest.slice(start[0].length);
    const seen = new Set<string>();
    for (let attr = ATTRIBUTE.exec(rest); attr; attr = ATTRIBUTE.exec(rest)) {
      const [whole, attrName, value] = attr as unknown as [string, string, string];
      if (seen.has(attrName)) throw new Error(`attribute ${attrName} twice on <${name}>`);
      seen.add(attrName);
      checkCharacterData(value, `attribute ${attrName} of <${name}>`);
      rest = rest.slice(whole.length);
    }
    const end = /^\s*(\/?)>/.exec(rest);
    if (!end) throw new Error(`<${name}> is not closed properly: ${rest.slice(0, 40)}`);
    if (end[1] !== '/') open.push(name);
    rest = rest.slice(end[0].length);
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  if (root === undefined) throw new Error('no root element');
  return root;
}
