/**
 * Drives test/peers/onelogin_sp_flow.py and test/peers/pysaml2_sp_flow.py: independent SAML SPs
 * that build AuthnRequests and LogoutRequests and consume Sesame's answers, one command per
 * Python process (Debian's /usr/bin/python3), with their state in a temp directory.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTestKeyPair } from '../helpers/fixtureResponse';
import { findRepoRoot, SYSTEM_PYTHON } from '../helpers/peers';

export interface PythonSpOptions {
  /** onelogin_sp_flow.py or pysaml2_sp_flow.py */
  script: 'onelogin_sp_flow.py' | 'pysaml2_sp_flow.py';
  idpMetadataXml: string;
  spEntityId: string;
  /** The SP's (fictitious) base URL: ACS and SLS URLs are derived from it; nothing listens there. */
  spBaseUrl: string;
  signRequests?: boolean;
  wantAssertionsEncrypted?: boolean;
  wantMessagesSigned?: boolean;
}

export interface PeerOutput {
  exitCode: number | null;
  json: Record<string, unknown>;
  stderr: string;
}

export class PythonSp {
  readonly dir: string;
  readonly acsUrl: string;
  readonly slsUrl: string;
  readonly keyPair = generateTestKeyPair('python-sp');
  private readonly configFile: string;

  constructor(readonly options: PythonSpOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'sesame-pysp-'));
    this.acsUrl = `${options.spBaseUrl}/acs`;
    this.slsUrl = `${options.spBaseUrl}/sls`;
    writeFileSync(join(this.dir, 'idp.xml'), options.idpMetadataXml);
    writeFileSync(join(this.dir, 'sp-key.pem'), this.keyPair.privateKeyPem);
    writeFileSync(join(this.dir, 'sp-cert.pem'), this.keyPair.certPem);
    this.configFile = join(this.dir, 'sp.json');
    this.writeConfig({});
  }

  /** Rewrites the SP's configuration (e.g. to switch request signing on and off between flows). */
  writeConfig(overrides: Partial<PythonSpOptions>): void {
    const o = { ...this.options, ...overrides };
    writeFileSync(
      this.configFile,
      JSON.stringify({
        idpMetadataFile: join(this.dir, 'idp.xml'),
        spEntityId: o.spEntityId,
        acsUrl: this.acsUrl,
        slsUrl: this.slsUrl,
        certFile: join(this.dir, 'sp-cert.pem'),
        keyFile: join(this.dir, 'sp-key.pem'),
        stateFile: join(this.dir, 'state.json'),
        cacheDir: this.dir,
        signRequests: o.signRequests ?? false,
        wantAssertionsEncrypted: o.wantAssertionsEncrypted ?? false,
        wantMessagesSigned: o.wantMessagesSigned ?? false,
      }),
    );
  }

  run(command: string, args: string[] = []): Promise<PeerOutput> {
    const script = join(findRepoRoot(), 'test', 'peers', this.options.script);
    return new Promise((resolve, reject) => {
      execFile(SYSTEM_PYTHON, [script, '--config', this.configFile, command, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(new Error(`${script}: ${err.message}`));
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        const line = stdout.trim().split('\n').pop() ?? '';
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return reject(new Error(`${this.options.script} ${command} printed no JSON (exit ${code})\nstdout: ${stdout}\nstderr: ${stderr}`));
        }
        if (code === 2) return reject(new Error(`${this.options.script} ${command} setup error: ${String(json.error)}\n${stderr}`));
        resolve({ exitCode: code, json, stderr });
      });
    });
  }

  /** The SP's own metadata, as its library generates it (what an admin hands to `sesame sp add`). */
  async metadata(): Promise<string> {
    const out = await this.run('metadata');
    return out.json.metadata as string;
  }

  writeFile(name: string, content: string): string {
    const file = join(this.dir, name);
    writeFileSync(file, content);
    return file;
  }

  readState(): Record<string, unknown> {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
