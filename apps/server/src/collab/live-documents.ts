import { Injectable } from '@nestjs/common';
import type { YDoc } from './hocuspocus-runtime.js';

/** The workspace documents currently open on this node, by workspace id (filled by the collab server). */
@Injectable()
export class LiveDocuments {
  private readonly documents = new Map<string, YDoc>();

  get(workspaceId: string): YDoc | undefined {
    return this.documents.get(workspaceId);
  }

  set(workspaceId: string, document: YDoc): void {
    this.documents.set(workspaceId, document);
  }

  delete(workspaceId: string, document?: YDoc): void {
    if (document === undefined || this.documents.get(workspaceId) === document) this.documents.delete(workspaceId);
  }
}
