/** The companies feature's public face for other features. */
export { CompanyLink } from './CompanyLink';
export { CompanySelect } from './CompanySelect';
