// The gallery opens an image over the grid with shallow routing (goto with `shallow: true`).
declare global {
  namespace App {
    interface PageState {
      /** The asset shown in the gallery's dialog. */
      galleryAssetId?: string;
      /** What the image's page load read for it (kept in the history entry, so Back and Forward show it again). */
      galleryAsset?: import('./handoff.js').AssetDetail;
    }
  }
}

export {};
