import { benchGroup } from './register.js';

benchGroup('snapshot', 'snapshot serialisation (src/cache)');
