import { benchGroup } from './register.js';

benchGroup('lease-sweep', 'lease sweep (src/lease/lease-manager)');
