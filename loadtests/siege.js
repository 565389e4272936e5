// The seed's autoscale test (`siege -c20 -t40S` against the status view) as a
// k6 script: 20 virtual users for 40 s reading one order's status view.
// Run: k6 run -e BASE_URL=http://<ingress-host> -e TOKEN=<customer token> -e ORDER_ID=<id> loadtests/siege.js
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 20,
  duration: '40s',
  thresholds: {
    http_req_failed: ['rate<0.01'],
    http_req_duration: ['p(95)<200'],
  },
};

const base = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export default function () {
  const res = http.get(`${base}/api/order-status/${__ENV.ORDER_ID}`, {
    headers: { Authorization: `Bearer ${__ENV.TOKEN}` },
  });
  check(res, { 'status is 200': (r) => r.status === 200 });
}
