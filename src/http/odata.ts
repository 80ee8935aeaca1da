// The OData query options this resource supports, parsed strictly: an unknown `$option` is a 400, as in Graph.
// Graph documents only $expand for these endpoints; the generated OpenAPI lists $select, $filter, $top, $skip,
// $orderby, $count, $search for List. We implement what tools use (M365DSC filters by displayName).
import { errors } from '../errors.js';
import type { Connector } from '../connectors/model.js';

export const CONNECTOR_PROPERTIES = ['id', 'displayName', 'targetUrl', 'authenticationConfiguration'] as const;
export type ConnectorProperty = (typeof CONNECTOR_PROPERTIES)[number];

export interface ListQuery {
  select?: ConnectorProperty[];
  filter?: { property: 'displayName' | 'id' | 'targetUrl'; value: string };
  top?: number;
  skip: number;
  orderBy?: { property: 'displayName' | 'id' | 'targetUrl'; descending: boolean };
  count: boolean;
}

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, key: string): string | undefined {
  const value = query[key];
  if (Array.isArray(value)) throw errors.invalidQueryOption(key, 'it may be given only once.');
  return value;
}

function optionKeys(query: Query, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!key.startsWith('$')) continue; // non-OData parameters are ignored, as Graph does
    if (!allowed.includes(key)) throw errors.unsupportedQueryOption(key);
  }
}

/** Keys arrive as `$select` or percent-encoded `%24select` (Kiota); fastify decodes both to `$select`. */
export function parseSelect(query: Query): ConnectorProperty[] | undefined {
  const raw = single(query, '$select');
  if (raw === undefined) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw errors.invalidQueryOption('$select', 'list at least one property.');
  return names.map((name) => {
    const match = CONNECTOR_PROPERTIES.find((p) => p.toLowerCase() === name.toLowerCase());
    if (!match) throw errors.invalidQueryOption('$select', `'${name}' is not a property of identityApiConnector.`);
    return match;
  });
}

export function parseGetQuery(query: Query): { select?: ConnectorProperty[] } {
  optionKeys(query, ['$select', '$expand']);
  const select = parseSelect(query);
  return select ? { select } : {};
}

const FILTERABLE = ['displayName', 'id', 'targetUrl'] as const;
type Filterable = (typeof FILTERABLE)[number];

function filterable(name: string, option: string): Filterable {
  const match = FILTERABLE.find((p) => p.toLowerCase() === name.toLowerCase());
  if (!match)
    throw errors.invalidQueryOption(option, `'${name}' cannot be used here; use displayName, id or targetUrl.`);
  return match;
}

function nonNegativeInt(query: Query, key: string): number | undefined {
  const raw = single(query, key);
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw errors.invalidQueryOption(key, `'${raw}' is not a non-negative integer.`);
  return Number(raw);
}

export function parseListQuery(query: Query): ListQuery {
  optionKeys(query, ['$select', '$expand', '$filter', '$top', '$skip', '$orderby', '$count']);
  const result: ListQuery = { skip: nonNegativeInt(query, '$skip') ?? 0, count: false };
  const select = parseSelect(query);
  if (select) result.select = select;
  const top = nonNegativeInt(query, '$top');
  if (top !== undefined) result.top = top;
  const filter = single(query, '$filter');
  if (filter !== undefined) {
    // `property eq 'value'` with '' escaping a quote: the form M365DSC and the SDK samples send.
    const match = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(filter);
    if (!match) throw errors.invalidQueryOption('$filter', 'only "<property> eq \'<value>\'" is supported.');
    result.filter = { property: filterable(match[1]!, '$filter'), value: match[2]!.replace(/''/g, "'") };
  }
  const orderBy = single(query, '$orderby');
  if (orderBy !== undefined) {
    const match = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(orderBy);
    if (!match) throw errors.invalidQueryOption('$orderby', "use '<property> [asc|desc]'.");
    result.orderBy = { property: filterable(match[1]!, '$orderby'), descending: match[2]?.toLowerCase() === 'desc' };
  }
  const count = single(query, '$count');
  if (count !== undefined) {
    if (!/^(true|false)$/i.test(count)) throw errors.invalidQueryOption('$count', "use 'true' or 'false'.");
    result.count = count.toLowerCase() === 'true';
  }
  return result;
}

/** Applies filter and order; returns the page and the total before paging. */
export function applyListQuery(connectors: Connector[], query: ListQuery): { page: Connector[]; total: number } {
  let items = connectors;
  const filter = query.filter;
  if (filter) items = items.filter((c) => c[filter.property] === filter.value);
  const orderBy = query.orderBy;
  if (orderBy) {
    const sign = orderBy.descending ? -1 : 1;
    items = [...items].sort((a, b) => sign * a[orderBy.property].localeCompare(b[orderBy.property]));
  }
  const end = query.top === undefined ? undefined : query.skip + query.top;
  return { page: items.slice(query.skip, end), total: items.length };
}
