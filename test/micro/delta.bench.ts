import { benchGroup } from './register.js';

benchGroup('delta', 'delta computation (src/cache/delta-history, src/discovery)');
