/** The activities feature's public face: other features use only these. */
export { DeleteActivityButton } from './DeleteActivityButton';
export { LogActivity } from './LogActivity';
export { Timeline } from './Timeline';
export { activityKinds } from './kinds';
export { useCompleteTask } from './queries';
