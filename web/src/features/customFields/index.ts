/** The custom fields feature's public face for other features. */
export { CustomCells } from './CustomCells';
export { CustomFieldFilter } from './CustomFieldFilter';
export { CustomFilterChips } from './CustomFilterChips';
export { customFilterParams } from './filters';
export { CustomFieldInputs } from './CustomFieldInputs';
export { CustomFieldsCard } from './CustomFieldsCard';
export { CustomFieldsPanel } from './CustomFieldsPanel';
export { useCustomFields } from './queries';
export { customSortParam, sortChoices } from './sorts';
export { customColumns, displayValue, filledValues, newRecordValues, type InputValue } from './values';
