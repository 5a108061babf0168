import { createTheme, darken, Modal, Notification, type CSSVariablesResolver } from '@mantine/core';

/**
 * Colors meet WCAG AA contrast (4.5:1 for normal text), checked by axe-core in
 * the browser tests (tests/a11y.ts).
 */
export const theme = createTheme({
  primaryColor: 'indigo',
  // indigo.6 with white text is 4.3:1; indigo.8 is 5.7:1 (links on gray.0 too).
  primaryShade: { light: 8, dark: 8 },
  // Filled buttons and badges pick black or white text by the background's
  // luminance. At 0.18 either choice reaches 4.5:1 whatever the color
  // (white needs a luminance under 0.183, black one over 0.175).
  autoContrast: true,
  luminanceThreshold: 0.18,
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  focusRing: 'auto',
  components: {
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss notification' } },
    }),
  },
});

/** Light-scheme overrides of Mantine's defaults that fall short of 4.5:1. */
export const cssVariablesResolver: CSSVariablesResolver = (t) => {
  const lightColors: Record<string, string> = {};
  for (const [name, shades] of Object.entries(t.colors)) {
    // Text of the "light" variant (badges, active nav links): shade 9 on
    // shade 1/2 is as low as 2.5:1, this darker shade is 4.5:1 or more.
    lightColors[`--mantine-color-${name}-light-color`] = darken(shades[9], 0.25);
  }
  return {
    variables: {},
    light: {
      ...lightColors,
      // gray.6 is 3.3:1 on white; gray.7 is 8:1.
      '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
      // red.6 is 3.3:1 on white; red.9 is 5.5:1.
      '--mantine-color-error': 'var(--mantine-color-red-9)',
      // Links sit on table rows too, whose hover background is darker than
      // gray.0: indigo.9 keeps 4.5:1 there (indigo.8 fell just short).
      '--mantine-color-anchor': 'var(--mantine-color-indigo-9)',
    },
    dark: {},
  };
};
