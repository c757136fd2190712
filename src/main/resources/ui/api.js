// A thin client for Veto's API: same origin, bearer token from the caller, JSON both ways.
// Errors keep Veto's {code, message} so the page can say exactly what went wrong.

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code ? body.code : 'http_' + status;
  }
}

export function client(token) {
  async function call(method, path, body) {
    const headers = { authorization: 'Bearer ' + token };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit',
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, json);
    return json;
  }
  return {
    health: () => call('GET', '/health'),
    approvals: (status) => call('GET', '/v1/approvals' + (status ? '?status=' + status : '')),
    settle: (id, decision, comment) => call('POST', '/v1/approvals/' + encodeURIComponent(id),
      comment ? { decision, comment } : { decision }),
    incidents: () => call('GET', '/v1/incidents'),
    modes: () => call('GET', '/v1/modes'),
  };
}
