// A classic script for the CSP test: hides constructable stylesheets, as on browsers without them,
// so Lit falls back to <style> elements (which then need the page's nonce).
Reflect.deleteProperty(Document.prototype, 'adoptedStyleSheets');
