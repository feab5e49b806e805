import { benchGroup } from './register.js';

benchGroup('heartbeat', 'registry batches (src/registry/registry-service)');
