import { benchGroup } from './register.js';

benchGroup('routing', 'route rules: snapshot, publication, client resolution (src/management/routing, src/core/wire/route-rules)');
