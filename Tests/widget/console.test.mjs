// The console's pure logic (no DOM): reading request metrics out of Prometheus text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestActions } from '../../Sources/Widget/console/prometheus-text.js';

const TEXT = `# TYPE sanctum_http_request_duration_seconds histogram
sanctum_http_request_duration_seconds_bucket{route="/api/v1/messages",method="POST",le="0.001"} 10
sanctum_http_request_duration_seconds_bucket{route="/api/v1/messages",method="POST",le="0.0025"} 60
sanctum_http_request_duration_seconds_bucket{route="/api/v1/messages",method="POST",le="0.005"} 99
sanctum_http_request_duration_seconds_bucket{route="/api/v1/messages",method="POST",le="0.01"} 100
sanctum_http_request_duration_seconds_bucket{route="/api/v1/messages",method="POST",le="+Inf"} 100
sanctum_http_request_duration_seconds_sum{route="/api/v1/messages",method="POST"} 0.25
sanctum_http_request_duration_seconds_count{route="/api/v1/messages",method="POST"} 100
sanctum_http_request_duration_seconds_bucket{route="/widget/health",method="GET",le="0.001"} 0
sanctum_http_request_duration_seconds_bucket{route="/widget/health",method="GET",le="30"} 1
sanctum_http_request_duration_seconds_bucket{route="/widget/health",method="GET",le="+Inf"} 2
sanctum_http_request_duration_seconds_count{route="/widget/health",method="GET"} 2
sanctum_http_request_duration_seconds_bucket{route="/idle",method="GET",le="+Inf"} 0
sanctum_http_request_duration_seconds_count{route="/idle",method="GET"} 0
sanctum_http_requests_total{route="/api/v1/messages",method="POST",status="200"} 100
`;

test('requestActions: one row per route and method, busiest first, percentiles as bucket bounds in ms', () => {
  assert.deepEqual(requestActions(TEXT), [
    { action: 'POST /api/v1/messages', count: 100, p50: 2.5, p99: 5 },
    { action: 'GET /widget/health', count: 2, p50: 30000, p99: '> 30000' },
  ]);
});

test('requestActions: nothing recorded, or not Prometheus text, gives no rows', () => {
  assert.deepEqual(requestActions(''), []);
  assert.deepEqual(requestActions('<html>not metrics</html>'), []);
});
