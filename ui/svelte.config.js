// Svelte compiler options for the field app: the defaults (runes are on in Svelte 5).
export default {};
