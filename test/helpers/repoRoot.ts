export { repoRoot } from '../../scripts/lib/sesameChild';
