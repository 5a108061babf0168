import { describe, expect, it } from 'vitest';
import { paramsOf, sameShape, shapeOf, visibleColumns } from './listParams';

describe('a view in the URL', () => {
  it('keeps only the filters its list knows, and round-trips', () => {
    const params = new URLSearchParams('q=acme&owner_id=u1&stage_id=s&sort=-name&cols=domain,owner&new=1');
    const shape = shapeOf('company', params);
    expect(shape).toEqual({
      filters: { q: 'acme', owner_id: 'u1' },
      sort: '-name',
      columns: ['domain', 'owner'],
    });
    const back = paramsOf(shape, 'v1');
    expect(back.get('view')).toBe('v1');
    expect(sameShape(shapeOf('company', back), shape)).toBe(true);
  });

  it('keeps the deal filters, not the board pipeline or paging', () => {
    const params = new URLSearchParams(
      'pipeline_id=p1&stage_id=s1&status=won&owner_id=u1&pipeline=p2&cursor=c&new=1&sort=-amount&cols=amount,stage',
    );
    const shape = shapeOf('deal', params);
    expect(shape).toEqual({
      filters: { pipeline_id: 'p1', stage_id: 's1', status: 'won', owner_id: 'u1' },
      sort: '-amount',
      columns: ['amount', 'stage'],
    });
    expect(sameShape(shapeOf('deal', paramsOf(shape, 'v1')), shape)).toBe(true);
  });

  it('keeps custom field filters', () => {
    const params = new URLSearchParams('cf.tier=gold,silver&cf.seats.gte=10&cols=cf.tier');
    const shape = shapeOf('company', params);
    expect(shape.filters).toEqual({ 'cf.tier': 'gold,silver', 'cf.seats.gte': '10' });
    expect(paramsOf(shape).get('cf.seats.gte')).toBe('10');
  });

  it('keeps a custom field sort', () => {
    const shape = shapeOf('contact', new URLSearchParams('sort=-cf.seats&cols=cf.seats'));
    expect(shape.sort).toBe('-cf.seats');
    expect(paramsOf(shape, 'v1').get('sort')).toBe('-cf.seats');
  });

  it('tells a changed list from the saved one', () => {
    const saved = { filters: { owner_id: 'u1' }, sort: null, columns: [] };
    expect(sameShape(saved, { ...saved, sort: 'name' })).toBe(false);
    expect(sameShape(saved, { filters: { owner_id: 'u1' }, sort: null, columns: [] })).toBe(true);
  });

  it('shows the default columns unless the view names some', () => {
    expect(visibleColumns(new URLSearchParams(''), ['email', 'phone'])).toEqual(['email', 'phone']);
    expect(visibleColumns(new URLSearchParams('cols=phone'), ['email', 'phone'])).toEqual(['phone']);
  });
});
