/**
 * The documented Vipps button, mark and badge variants as data (design guidelines, reference c):
 * the four approved verbs in English and Norwegian, rectangular and pill shapes, the 2023 toolkit
 * size (214 × 43) and the 2019–21 sizes (140 × 40 for "Pay" only, 250 × 44), Vipps orange with the
 * black and white variants the AAA exception allows, the 48 × 32 mark, the 64 × 16 logo and the
 * on-site messaging badge's five colours. The drawing is the project's own (element.ts); nothing
 * of Vipps' artwork is copied. Gray and light orange are our picks: the guidelines name them only.
 */
export const BUTTON_CATALOGUE = {
  verbs: {
    pay: { en: 'Pay with', no: 'Betal med' },
    login: { en: 'Log in with', no: 'Logg inn med' },
    register: { en: 'Register with', no: 'Registrer med' },
    continue: { en: 'Continue with', no: 'Fortsett med' },
  },
  languages: ['no', 'en'],
  shapes: ['rect', 'pill'],
  sizes: {
    small: { width: 140, height: 40, radius: 8, fontSize: 13, verbs: ['pay'] },
    medium: { width: 214, height: 43, radius: 5, fontSize: 15, verbs: ['pay', 'login', 'register', 'continue'] },
    large: { width: 250, height: 44, radius: 8, fontSize: 16, verbs: ['pay', 'login', 'register', 'continue'] },
  },
  /** Orange is the button; black and white are for sites that must meet WCAG AAA (on white, on dark backgrounds). */
  variants: {
    orange: { background: '#FF5B24', text: '#FFFFFF' },
    black: { background: '#000000', text: '#FFFFFF' },
    white: { background: '#FFFFFF', text: '#000000' },
  },
  mark: { width: 48, height: 32, radius: 3.5, background: '#FF5B24', text: '#FFFFFF' },
  logo: { width: 64, height: 16, colour: '#FF5B24' },
  badges: {
    white: { background: '#FFFFFF', text: '#1F1F1F', accent: '#B53A0D' },
    orange: { background: '#FF5B24', text: '#FFFFFF', accent: '#FFFFFF' },
    gray: { background: '#EDEAE8', text: '#1F1F1F', accent: '#9C310B' },
    'light-orange': { background: '#FFE4D9', text: '#1F1F1F', accent: '#9C310B' },
    purple: { background: '#49367E', text: '#FFFFFF', accent: '#FFFFFF' },
  },
  badgeTexts: {
    now: { en: 'Pay with', no: 'Betal med' },
    later: { en: 'Pay later with', no: 'Betal senere med' },
  },
  brand: 'Vipps',
} as const;

export type ButtonCatalogue = typeof BUTTON_CATALOGUE;
export type ButtonVerb = keyof ButtonCatalogue['verbs'];
export type ButtonSize = keyof ButtonCatalogue['sizes'];
export type ButtonVariant = keyof ButtonCatalogue['variants'];
export type BadgeVariant = keyof ButtonCatalogue['badges'];
