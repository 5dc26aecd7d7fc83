import { openTestPGlite } from '../helpers/databases.ts';
import { describeStoreContract } from './store.contract.ts';

describeStoreContract('PGlite (in memory)', openTestPGlite);
