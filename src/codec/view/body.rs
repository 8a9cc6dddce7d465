//! BODY/BODYSTRUCTURE in place: the borrowed counterparts of
//! [`BodyStructure`](crate::types::BodyStructure) and its parts.

use super::{child_iter, At, Children, EnvelopeView, Kind, StrView, Strings, BODY_EXT, SPEC_MESSAGE, SPEC_TEXT};

/// `body`, in place.
#[derive(Clone, Copy, Debug)]
pub enum BodyStructureView<'v> {
    /// `body-type-1part`
    Single(SinglePartView<'v>),
    /// `body-type-mpart`
    Multipart(MultipartView<'v>),
}

impl<'v> BodyStructureView<'v> {
    pub(super) fn at(c: At<'v>) -> Self {
        if c.kind() == Kind::Multipart {
            BodyStructureView::Multipart(MultipartView(c))
        } else {
            BodyStructureView::Single(SinglePartView(c))
        }
    }

    /// The subtype (`plain`, `mixed`, ...), as sent; NIL reads as empty.
    pub fn subtype(&self) -> StrView<'v> {
        match self {
            BodyStructureView::Single(s) => s.subtype(),
            BodyStructureView::Multipart(m) => m.subtype(),
        }
    }

    /// The parts of a multipart; empty for a single part.
    pub fn parts(&self) -> BodyParts<'v> {
        match self {
            BodyStructureView::Single(s) => BodyParts(Children { end: s.0.i + 1, ..s.0.children() }),
            BodyStructureView::Multipart(m) => m.parts(),
        }
    }
}

child_iter!(
    /// The parts of a multipart body.
    BodyParts => BodyStructureView<'v>, |c| BodyStructureView::at(c)
);

/// `body-type-1part`: a basic, text or message/rfc822 part.
#[derive(Clone, Copy, Debug)]
pub struct SinglePartView<'v>(pub(super) At<'v>);

impl<'v> SinglePartView<'v> {
    /// `media-type` (`text`), as sent; NIL reads as empty.
    pub fn media_type(&self) -> StrView<'v> {
        self.0.child(0).string()
    }

    /// `media-subtype` (`plain`), as sent; NIL reads as empty.
    pub fn subtype(&self) -> StrView<'v> {
        self.0.child(1).string()
    }

    /// `body-fld-param`; empty for NIL. A NIL value reads as empty.
    pub fn params(&self) -> Params<'v> {
        Params(self.0.child(2).children())
    }

    /// `body-fld-id` (Content-ID)
    pub fn id(&self) -> Option<StrView<'v>> {
        self.0.child(2).next().nstring()
    }

    /// `body-fld-desc` (Content-Description)
    pub fn description(&self) -> Option<StrView<'v>> {
        self.0.child(2).next().next().nstring()
    }

    /// `body-fld-enc` (Content-Transfer-Encoding), as sent; NIL reads as empty.
    pub fn encoding(&self) -> StrView<'v> {
        self.0.child(2).next().next().next().string()
    }

    /// The node of `body-fld-octets`.
    fn octets(&self) -> At<'v> {
        self.0.child(2).next().next().next().next()
    }

    /// `body-fld-octets`: the size in its transfer encoding.
    pub fn size(&self) -> u32 {
        self.octets().node().a
    }

    fn spec(&self) -> u16 {
        self.0.node().aux & 3
    }

    /// `body-fld-lines` of a text or message/rfc822 part.
    pub fn lines(&self) -> Option<u32> {
        match self.spec() {
            SPEC_TEXT => Some(self.octets().next().node().a),
            SPEC_MESSAGE => Some(self.octets().next().next().next().node().a),
            _ => None,
        }
    }

    /// Whether this is a text part with its line count (`body-type-text`).
    pub fn is_text(&self) -> bool {
        self.spec() == SPEC_TEXT
    }

    /// The envelope of an encapsulated message (`body-type-msg`).
    pub fn envelope(&self) -> Option<EnvelopeView<'v>> {
        (self.spec() == SPEC_MESSAGE).then(|| EnvelopeView(self.octets().next()))
    }

    /// The body structure of an encapsulated message (`body-type-msg`).
    pub fn body(&self) -> Option<BodyStructureView<'v>> {
        (self.spec() == SPEC_MESSAGE).then(|| BodyStructureView::at(self.octets().next().next()))
    }

    /// The node of `body-fld-md5`, if extension data was sent.
    fn md5_node(&self) -> Option<At<'v>> {
        if self.0.node().aux & BODY_EXT == 0 {
            return None;
        }
        let after = match self.spec() {
            SPEC_TEXT => self.octets().next(),
            SPEC_MESSAGE => self.octets().next().next().next(),
            _ => self.octets(),
        };
        Some(after.next())
    }

    /// `body-fld-md5`: `None` without extension data, `Some(None)` for NIL.
    pub fn md5(&self) -> Option<Option<StrView<'v>>> {
        self.md5_node().map(At::nstring)
    }

    /// The rest of `body-ext-1part`, if extension data was sent.
    pub fn tail(&self) -> Option<TailView<'v>> {
        self.md5_node().map(|m| TailView(m.next()))
    }
}

/// `body-type-mpart`.
#[derive(Clone, Copy, Debug)]
pub struct MultipartView<'v>(At<'v>);

impl<'v> MultipartView<'v> {
    /// The parts; never empty.
    pub fn parts(&self) -> BodyParts<'v> {
        let mut end = self.0.children();
        while end.clone().next().is_some_and(|c| matches!(c.kind(), Kind::Single | Kind::Multipart)) {
            end.next();
        }
        BodyParts(Children { end: end.i, ..self.0.children() })
    }

    /// The node of the subtype.
    fn subtype_node(&self) -> At<'v> {
        let mut c = self.0.child(0);
        while matches!(c.kind(), Kind::Single | Kind::Multipart) {
            c = c.next();
        }
        c
    }

    /// `media-subtype` (`mixed`), as sent; NIL reads as empty.
    pub fn subtype(&self) -> StrView<'v> {
        self.subtype_node().string()
    }

    /// `body-fld-param` of `body-ext-mpart`, if extension data was sent.
    pub fn params(&self) -> Option<Params<'v>> {
        (self.0.node().aux & BODY_EXT != 0).then(|| Params(self.subtype_node().next().children()))
    }

    /// The rest of `body-ext-mpart`, if extension data was sent.
    pub fn tail(&self) -> Option<TailView<'v>> {
        (self.0.node().aux & BODY_EXT != 0).then(|| TailView(self.subtype_node().next().next()))
    }
}

/// `body-fld-param` pairs: attribute, value (a NIL value reads as empty).
#[derive(Clone, Debug)]
pub struct Params<'v>(pub(super) Children<'v>);

impl<'v> Iterator for Params<'v> {
    type Item = (StrView<'v>, StrView<'v>);

    fn next(&mut self) -> Option<Self::Item> {
        let k = self.0.next()?;
        let v = self.0.next()?;
        Some((k.string(), v.string()))
    }
}

/// `[body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]`: each
/// level is `Some` only if the server sent it (a NIL counts as sent).
#[derive(Clone, Copy, Debug)]
pub struct TailView<'v>(pub(super) At<'v>);

impl<'v> TailView<'v> {
    fn level(&self) -> usize {
        usize::from(self.0.node().aux)
    }

    /// `body-fld-dsp`: `Some(None)` for NIL.
    pub fn disposition(&self) -> Option<Option<DispositionView<'v>>> {
        if self.level() < 1 {
            return None;
        }
        let d = self.0.child(0);
        Some((d.node().aux == 0).then_some(DispositionView(d)))
    }

    /// `body-fld-lang`: `Some(None)` for NIL; a single string is a one-element list.
    pub fn language(&self) -> Option<Option<Strings<'v>>> {
        if self.level() < 2 {
            return None;
        }
        let l = self.0.child(1);
        Some((l.node().aux == 0).then(|| Strings(l.children())))
    }

    /// `body-fld-loc`: `Some(None)` for NIL.
    pub fn location(&self) -> Option<Option<StrView<'v>>> {
        (self.level() >= 3).then(|| self.0.child(2).nstring())
    }

    /// `*(SP body-extension)`: data of future extensions.
    pub fn extensions(&self) -> Extensions<'v> {
        let mut it = self.0.children();
        for _ in 0..self.level() {
            it.next();
        }
        Extensions(it)
    }
}

/// `body-fld-dsp = "(" string SP body-fld-param ")"`
#[derive(Clone, Copy, Debug)]
pub struct DispositionView<'v>(At<'v>);

impl<'v> DispositionView<'v> {
    /// `inline`, `attachment`, ...
    pub fn kind(&self) -> StrView<'v> {
        self.0.child(0).string()
    }

    /// Its parameters (`filename`, ...).
    pub fn params(&self) -> Params<'v> {
        Params(self.0.child(1).children())
    }
}

child_iter!(
    /// `body-extension` values.
    Extensions => BodyExtensionView<'v>, |c| BodyExtensionView::at(c)
);

/// `body-extension = nstring / number / "(" body-extension *(SP body-extension) ")"`
#[derive(Clone, Debug)]
pub enum BodyExtensionView<'v> {
    /// A string, or `None` for NIL.
    String(Option<StrView<'v>>),
    /// A number.
    Number(u32),
    /// A parenthesised list; never empty.
    List(Extensions<'v>),
}

impl<'v> BodyExtensionView<'v> {
    fn at(c: At<'v>) -> Self {
        match c.kind() {
            Kind::Number => BodyExtensionView::Number(c.node().a),
            Kind::ExtensionList => BodyExtensionView::List(Extensions(c.children())),
            _ => BodyExtensionView::String(c.nstring()),
        }
    }
}
