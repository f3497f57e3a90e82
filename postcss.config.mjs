/** PostCSS for the scoreboard: Tailwind CSS 4. */
export default {
  plugins: { '@tailwindcss/postcss': {} },
};
