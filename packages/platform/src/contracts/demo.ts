/**
 * Demo data of api.md for the local stack and tests (DEMO_DATA=true; off by
 * default in the Helm chart). Every demo password is `demo-pass`: a clearly
 * marked local demo value, never a secret.
 */
import type { Role } from '../auth.ts';

export const DEMO_PASSWORD = 'demo-pass';

export const demoStores = [
  {
    id: '5e0d1b7a-1111-4c3e-9a51-000000000001',
    name: 'Gangnam Fried Chicken',
    location: { lat: 37.4979, lng: 127.0276 },
    open: true,
    items: [
      { id: '6a1f0c2e-1111-4d2a-8b11-000000000101', name: 'Fried chicken', unitPrice: 19000 },
      { id: '6a1f0c2e-1111-4d2a-8b11-000000000102', name: 'Spicy chicken', unitPrice: 20000 },
      { id: '6a1f0c2e-1111-4d2a-8b11-000000000103', name: 'Cola 1.25 L', unitPrice: 2500 },
    ],
  },
  {
    id: '5e0d1b7a-2222-4c3e-9a51-000000000002',
    name: 'Mapo Tteokbokki',
    location: { lat: 37.5663, lng: 126.9019 },
    open: true,
    items: [
      { id: '6a1f0c2e-2222-4d2a-8b11-000000000201', name: 'Tteokbokki', unitPrice: 5000 },
      { id: '6a1f0c2e-2222-4d2a-8b11-000000000202', name: 'Gimbap', unitPrice: 4000 },
      { id: '6a1f0c2e-2222-4d2a-8b11-000000000203', name: 'Fish cake soup', unitPrice: 3000 },
    ],
  },
] as const;

export interface DemoUser {
  id: string;
  username: string;
  role: Role;
  storeId?: string;
}

export const demoUsers: DemoUser[] = [
  { id: '0b7c3c3e-0000-4000-8000-00000000a11c', username: 'alice', role: 'customer' },
  { id: '0b7c3c3e-0000-4000-8000-000000000b0b', username: 'bob', role: 'customer' },
  { id: '0b7c3c3e-0000-4000-8000-0000000000e1', username: 'owner1', role: 'owner', storeId: demoStores[0].id },
  { id: '0b7c3c3e-0000-4000-8000-0000000000e2', username: 'owner2', role: 'owner', storeId: demoStores[1].id },
  { id: '0b7c3c3e-0000-4000-8000-0000000000d1', username: 'rider1', role: 'rider' },
  { id: '0b7c3c3e-0000-4000-8000-0000000000d2', username: 'rider2', role: 'rider' },
  { id: '0b7c3c3e-0000-4000-8000-0000000000ad', username: 'admin', role: 'admin' },
];
