"""The photo on a Philomena profile: checked, stripped of metadata, served only to the young person's
network with an audit, on the one-page PDF, and never silently overwritten."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from harbour.audit.models import AuditEvent
from harbour.missing import services
from harbour.missing.models import MissingProfile, MissingProfilePhoto
from harbour.missing.photos import PHOTO_MAX_SIDE
from tests.missing.helpers import save_profile

pytestmark = pytest.mark.django_db

GPS_TAG = 0x8825
ORIENTATION_TAG = 0x0112
ROTATED_90 = 6  # the camera was held on its side: turn 90 degrees clockwise to view


def phone_photo(*, width: int = 3000, height: int = 2000, fmt: str = "JPEG") -> bytes:
    """A photo as a phone sends it: large, with an orientation tag and a GPS position in its EXIF."""
    image = Image.new("RGB", (width, height), (180, 120, 90))
    for x in range(0, width, 50):  # some detail, so it is not one flat colour
        image.putpixel((x, height // 2), (0, 0, 0))
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = ROTATED_90
    exif[0x010F] = "PhoneMaker"  # make
    exif.get_ifd(GPS_TAG).update({1: "N", 2: (52.0, 37.0, 51.0), 3: "E", 4: (1.0, 17.0, 50.0)})
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes()) if fmt in {"JPEG", "WEBP", "PNG"} else image.save(
        out, format=fmt
    )
    return out.getvalue()


def taken(day: date) -> dict[str, str]:
    return {"taken_on_day": str(day.day), "taken_on_month": str(day.month), "taken_on_year": str(day.year)}


@pytest.fixture
def profile(world) -> MissingProfile:
    return save_profile(
        world.users["practitioner"],
        world.inside,
        description="Slim, about 160 cm, dyed red hair.",
        places="Chapelfield Gardens",
    )


def upload(client, person, data: bytes, *, name: str = "photo.jpg", day: date | None = None, version=""):
    return client.post(
        reverse("missing:profile_photo", args=[person.pk]),
        {
            "photo": SimpleUploadedFile(name, data, content_type="image/jpeg"),
            "version": version,
            **taken(day or timezone.localdate() - timedelta(days=10)),
        },
    )


def test_a_phone_photo_is_kept_upright_smaller_and_without_its_metadata(world, profile):
    client = world.client_for("practitioner")
    response = upload(client, world.inside, phone_photo())
    assert response.status_code == 302
    photo = MissingProfilePhoto.objects.get(profile=profile)
    kept = Image.open(io.BytesIO(bytes(photo.image)))
    assert kept.format == "JPEG"
    # Turned the right way up (portrait), at most PHOTO_MAX_SIDE a side.
    assert (kept.width, kept.height) == (photo.width, photo.height)
    assert kept.height == PHOTO_MAX_SIDE
    assert kept.width < kept.height
    # No EXIF at all: no position, no device, no orientation left to apply twice.
    assert not kept.getexif()
    assert b"PhoneMaker" not in bytes(photo.image)
    assert "exif" not in kept.info
    event = AuditEvent.objects.get(action="missing_profile.photo_saved")
    assert event.person_id == world.inside.pk
    assert event.detail == {"replaced": False, "width": photo.width, "height": photo.height}


def test_the_photo_is_served_to_the_network_only_uncached_and_audited(world, profile):
    upload(world.client_for("practitioner"), world.inside, phone_photo(width=400, height=300))
    url = reverse("missing:profile_photo_image", args=[world.inside.pk])
    assert str(world.inside.pk) in url
    assert world.inside.first_name not in url
    response = world.client_for("practitioner").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(
        action="person.viewed", person_id=world.inside.pk, detail__purpose="missing-profile-photo"
    ).exists()
    outsider = world.client_for(world.breckland_worker)
    assert outsider.get(url).status_code == 404
    assert outsider.get(reverse("missing:profile_photo", args=[world.inside.pk])).status_code == 404
    photo = MissingProfilePhoto.objects.get()
    remove = reverse("missing:profile_photo_remove", args=[world.inside.pk])
    assert outsider.post(remove, {"version": str(photo.version)}).status_code == 404
    assert MissingProfilePhoto.objects.exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.jpg", "The selected file is empty"),
        (b"Not a photo at all, just text.", "note.jpg", "must be a JPG, PNG or WebP photo"),
        (phone_photo(width=40, height=40, fmt="GIF"), "moving.gif", "must be a JPG, PNG or WebP photo"),
        (phone_photo(width=400, height=300)[:600], "cut.jpg", "could not be read as a photo"),
    ],
    ids=["empty", "text", "gif", "cut-off"],
)
def test_a_file_that_is_not_a_usable_photo_is_refused_with_a_reason(world, profile, data, name, message):
    response = upload(world.client_for("practitioner"), world.inside, data, name=name)
    assert response.status_code == 422
    assert message in response.text
    assert not MissingProfilePhoto.objects.exists()


def test_a_small_file_that_decodes_to_an_enormous_image_is_refused(world, profile):
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, format="PNG")  # about 25 kB, 144 million pixels
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(ValidationError) as refused:
        services.profile_photo_save(
            actor=world.users["practitioner"],
            person=world.inside,
            version=None,
            upload=bomb.getvalue(),
            taken_on=timezone.localdate(),
        )
    assert "too large" in refused.value.message_dict["photo"][0]


def test_when_it_was_taken_is_required_and_checked(world, profile):
    client = world.client_for("practitioner")
    photo = phone_photo(width=400, height=300)
    response = client.post(
        reverse("missing:profile_photo", args=[world.inside.pk]),
        {"photo": SimpleUploadedFile("p.jpg", photo), "version": ""},
    )
    assert response.status_code == 422
    assert "Enter when the photo was taken" in response.text
    response = upload(client, world.inside, photo, day=timezone.localdate() + timedelta(days=2))
    assert "must be today or in the past" in response.text
    before_birth = world.inside.date_of_birth - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.profile_photo_save(
            actor=world.users["practitioner"],
            person=world.inside,
            version=None,
            upload=photo,
            taken_on=before_birth,
        )
    assert "on or after their date of birth" in refused.value.message_dict["taken_on"][0]
    assert not MissingProfilePhoto.objects.exists()


def test_a_photo_needs_a_profile_first(world):
    client = world.client_for("practitioner")
    response = client.get(reverse("missing:profile_photo", args=[world.inside.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("missing:profile", args=[world.inside.pk])


def test_a_colleagues_new_photo_is_not_silently_replaced_or_removed(world, profile):
    mine, theirs = phone_photo(width=400, height=300), phone_photo(width=300, height=400)
    client = world.client_for("practitioner")
    upload(client, world.inside, mine)  # both opened the page when there was no photo ...
    photo = MissingProfilePhoto.objects.get()
    first = bytes(photo.image)
    manager = world.client_for("team-manager")
    response = upload(manager, world.inside, theirs, version="")  # ... stale
    assert response.status_code == 302
    assert "Someone else changed the photo" in manager.get(response["Location"]).text
    assert bytes(MissingProfilePhoto.objects.get().image) == first
    # Replacing with the version seen works and is audited as a replacement; the old photo is gone.
    response = upload(client, world.inside, theirs, version=str(photo.version))
    assert response.status_code == 302
    replaced = MissingProfilePhoto.objects.get()
    assert bytes(replaced.image) != first
    assert AuditEvent.objects.filter(action="missing_profile.photo_saved", detail__replaced=True).count() == 1
    # A stale remove is refused; a current one removes it.
    remove = reverse("missing:profile_photo_remove", args=[world.inside.pk])
    client.post(remove, {"version": str(photo.version)})
    assert MissingProfilePhoto.objects.exists()
    client.post(remove, {"version": str(replaced.version)})
    assert not MissingProfilePhoto.objects.exists()
    assert AuditEvent.objects.filter(action="missing_profile.photo_removed").count() == 1


def test_the_one_page_pdf_carries_the_photo_and_when_it_was_taken(world, profile):
    from harbour.missing.views import profile_document

    client = world.client_for("practitioner")
    without = client.get(reverse("missing:profile_pdf", args=[world.inside.pk])).content
    upload(client, world.inside, phone_photo(), day=date(2026, 9, 1))
    with_photo = client.get(reverse("missing:profile_pdf", args=[world.inside.pk])).content
    assert b"/Subtype /Image" in with_photo
    assert b"/Subtype /Image" not in without
    long_text = "\n".join(f"Line {n}: a place they go, with a long description of it." for n in range(60))
    MissingProfile.objects.filter(pk=profile.pk).update(
        description=long_text, places=long_text, health=long_text
    )
    profile.refresh_from_db()
    document = profile_document(world.inside, profile)
    assert len(document.pages) == 1
    html_text = " ".join(box.text.strip() for page in document.pages for box in _text_boxes(page._page_box))
    assert "Photo taken 1 September 2026" in html_text


def _text_boxes(box):
    if hasattr(box, "text"):
        yield box
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


def test_an_old_photo_is_flagged_on_the_profile_page(world, profile):
    client = world.client_for("practitioner")
    upload(
        client,
        world.inside,
        phone_photo(width=400, height=300),
        day=timezone.localdate() - timedelta(days=400),
    )
    page = client.get(reverse("missing:profile", args=[world.inside.pk])).text
    assert "More than 6 months old" in page
    assert reverse("missing:profile_photo_image", args=[world.inside.pk]) in page
