// Svelte compiler options for the console: the defaults (runes are on in Svelte 5).
export default {};
