/** The deals feature's public face for other features. */
export { NewDealButton } from './NewDealButton';
