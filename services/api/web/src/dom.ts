/// <reference lib="dom" />

type Child = Node | string | null | undefined | false;
type AttrValue = string | number | boolean | undefined;

/**
 * Creates an element with attributes and children. `true` sets a boolean attribute, `false`/`undefined` leaves it
 * out. Styles are never set through the `style` attribute: the page's Content-Security-Policy refuses inline styles.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, AttrValue> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child);
  }
}

/** The element with this id, of this type; a missing or mistyped element is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`index.html lacks #${id} (${type.name})`);
  return element;
}

/** The `name` control of a form, of this type. */
export function control<T extends Element>(form: HTMLFormElement, name: string, type: new () => T): T {
  const element = form.elements.namedItem(name);
  if (!(element instanceof type)) throw new Error(`form #${form.id} lacks control ${name} (${type.name})`);
  return element;
}

/** YYYY-MM-DD of an RFC 3339 instant or a date. */
export function day(date: string): string {
  return date.slice(0, 10);
}

/** The layer id without the long prefixes GIBS names share, for tight labels (the full id stays in the title). */
export function shortLayer(layer: string): string {
  return layer.replace(/_CorrectedReflectance_/, ' ').replace(/_/g, ' ');
}
