"""Short texts in many languages for the IFEval differential corpus, written for it (no outside source).

Each language has a longer answer (about 40-60 words, several sentences) and a short one (a
sentence), so the language checks see both ordinary answers and texts a detector may find hard.
Codes are ISO 639-1, the ones IFEval's ``language:response_language`` rows use and a few more.
"""

from __future__ import annotations

__all__ = ["ENGLISH_SENTENCES", "LANGUAGE_TEXTS", "SHORT_TEXTS"]

LANGUAGE_TEXTS: dict[str, str] = {
    "en": (
        "The old harbour town wakes up slowly in winter. Fishermen mend their nets while the bakery fills "
        "the street with the smell of fresh bread. By noon the market is busy, and children run between the "
        "stalls. In the evening everyone gathers by the water to watch the boats come home."
    ),
    "ru": (
        "Старый портовый город зимой просыпается медленно. Рыбаки чинят сети, а из пекарни по всей улице "
        "разносится запах свежего хлеба. К полудню рынок наполняется людьми, и дети бегают между прилавками. "
        "Вечером все собираются у воды, чтобы посмотреть, как лодки возвращаются домой. Это тихая и "
        "спокойная жизнь, которую многие жители не променяли бы ни на что другое."
    ),
    "bg": (
        "Старият пристанищен град се събужда бавно през зимата. Рибарите поправят мрежите си, а от пекарната "
        "по цялата улица се носи мирис на пресен хляб. По обяд пазарът е пълен с хора и децата тичат между "
        "сергиите. Вечерта всички се събират край водата, за да гледат как лодките се прибират."
    ),
    "de": (
        "Die alte Hafenstadt erwacht im Winter nur langsam. Die Fischer flicken ihre Netze, während die "
        "Bäckerei die Straße mit dem Duft von frischem Brot erfüllt. Gegen Mittag ist der Markt voller "
        "Menschen, und die Kinder laufen zwischen den Ständen hin und her. Am Abend versammeln sich alle am "
        "Wasser, um die Boote heimkehren zu sehen."
    ),
    "fr": (
        "La vieille ville portuaire se réveille lentement en hiver. Les pêcheurs réparent leurs filets pendant "
        "que la boulangerie remplit la rue d'une odeur de pain frais. À midi, le marché est plein de monde et "
        "les enfants courent entre les étals. Le soir, tout le monde se retrouve au bord de l'eau pour "
        "regarder les bateaux rentrer."
    ),
    "es": (
        "El viejo pueblo del puerto despierta despacio en invierno. Los pescadores arreglan sus redes mientras "
        "la panadería llena la calle con el olor del pan recién hecho. Al mediodía el mercado está lleno de "
        "gente y los niños corren entre los puestos. Por la tarde todos se reúnen junto al agua para ver "
        "volver los barcos."
    ),
    "it": (
        "La vecchia città di porto si sveglia lentamente in inverno. I pescatori riparano le reti mentre il "
        "forno riempie la strada con il profumo del pane fresco. A mezzogiorno il mercato è pieno di gente e i "
        "bambini corrono tra le bancarelle. La sera tutti si ritrovano vicino all'acqua per guardare le barche "
        "che tornano a casa."
    ),
    "pt": (
        "A velha cidade do porto acorda devagar no inverno. Os pescadores consertam as suas redes enquanto a "
        "padaria enche a rua com o cheiro de pão fresco. Ao meio-dia o mercado está cheio de gente e as "
        "crianças correm entre as bancas. À noite todos se reúnem junto à água para ver os barcos voltarem "
        "para casa."
    ),
    "fi": (
        "Vanha satamakaupunki herää talvella hitaasti. Kalastajat korjaavat verkkojaan, ja leipomosta leviää "
        "tuoreen leivän tuoksu koko kadulle. Keskipäivällä tori on täynnä ihmisiä, ja lapset juoksevat "
        "kojujen välissä. Illalla kaikki kokoontuvat rantaan katsomaan, kun veneet palaavat kotiin."
    ),
    "sw": (
        "Mji wa zamani wa bandari huamka polepole wakati wa baridi. Wavuvi hutengeneza nyavu zao huku mkate "
        "mpya ukinukia barabarani kutoka kwenye duka la mikate. Ifikapo mchana soko linajaa watu na watoto "
        "wanakimbia kati ya meza za wauzaji. Jioni kila mtu hukusanyika kando ya maji kutazama mashua "
        "zikirudi nyumbani."
    ),
    "vi": (
        "Thị trấn cảng cũ thức dậy chậm chạp vào mùa đông. Những người đánh cá vá lưới trong khi tiệm bánh "
        "làm cả con phố thơm mùi bánh mì mới nướng. Đến trưa, chợ đông người và trẻ em chạy giữa các quầy "
        "hàng. Buổi tối mọi người tụ tập bên bờ nước để ngắm những chiếc thuyền trở về."
    ),
    "hi": (
        "पुराना बंदरगाह शहर सर्दियों में धीरे धीरे जागता है। मछुआरे अपने जाल ठीक करते हैं और बेकरी से ताज़ी "
        "रोटी की खुशबू पूरी गली में फैल जाती है। दोपहर तक बाज़ार लोगों से भर जाता है और बच्चे दुकानों के बीच "
        "दौड़ते हैं। शाम को सब लोग पानी के किनारे इकट्ठा होकर नावों को घर लौटते हुए देखते हैं।"
    ),
    "mr": (
        "जुने बंदर असलेले शहर हिवाळ्यात हळूहळू जागे होते. कोळी आपली जाळी दुरुस्त करतात आणि बेकरीतून ताज्या "
        "पावाचा वास संपूर्ण रस्त्यावर पसरतो. दुपारपर्यंत बाजार लोकांनी भरून जातो आणि मुले दुकानांच्या मधून "
        "धावत असतात. संध्याकाळी सगळे पाण्याजवळ जमतात आणि होड्या घरी परत येताना पाहतात."
    ),
    "ne": (
        "पुरानो बन्दरगाह भएको सहर जाडोमा बिस्तारै ब्युँझिन्छ। माझीहरू आफ्नो जाल मर्मत गर्छन् र बेकरीबाट ताजा "
        "रोटीको बास्ना सबै गल्लीमा फैलिन्छ। मध्यान्हसम्म बजार मानिसहरूले भरिन्छ र केटाकेटीहरू पसलहरूको बीचमा "
        "दौडिरहेका हुन्छन्। बेलुका सबै जना पानीको छेउमा जम्मा भएर डुङ्गाहरू घर फर्किएको हेर्छन्।"
    ),
    "bn": (
        "পুরনো বন্দর শহরটি শীতকালে ধীরে ধীরে জেগে ওঠে। জেলেরা তাদের জাল মেরামত করে আর বেকারি থেকে তাজা "
        "রুটির গন্ধ পুরো রাস্তায় ছড়িয়ে পড়ে। দুপুরের মধ্যে বাজার মানুষে ভরে যায় এবং শিশুরা দোকানগুলোর মাঝে "
        "দৌড়ায়। সন্ধ্যায় সবাই জলের ধারে জড়ো হয়ে নৌকাগুলোর ঘরে ফেরা দেখে।"
    ),
    "pa": (
        "ਪੁਰਾਣਾ ਬੰਦਰਗਾਹ ਸ਼ਹਿਰ ਸਰਦੀਆਂ ਵਿੱਚ ਹੌਲੀ ਹੌਲੀ ਜਾਗਦਾ ਹੈ। ਮਛੇਰੇ ਆਪਣੇ ਜਾਲ ਠੀਕ ਕਰਦੇ ਹਨ ਅਤੇ ਬੇਕਰੀ ਤੋਂ ਤਾਜ਼ੀ "
        "ਰੋਟੀ ਦੀ ਖੁਸ਼ਬੂ ਸਾਰੀ ਗਲੀ ਵਿੱਚ ਫੈਲ ਜਾਂਦੀ ਹੈ। ਦੁਪਹਿਰ ਤੱਕ ਬਾਜ਼ਾਰ ਲੋਕਾਂ ਨਾਲ ਭਰ ਜਾਂਦਾ ਹੈ ਅਤੇ ਬੱਚੇ ਦੁਕਾਨਾਂ ਦੇ "
        "ਵਿਚਕਾਰ ਦੌੜਦੇ ਹਨ।"
    ),
    "gu": (
        "જૂનું બંદર શહેર શિયાળામાં ધીમે ધીમે જાગે છે. માછીમારો પોતાની જાળ સુધારે છે અને બેકરીમાંથી તાજી "
        "રોટલીની સુગંધ આખી શેરીમાં ફેલાઈ જાય છે. બપોર સુધીમાં બજાર લોકોથી ભરાઈ જાય છે અને બાળકો દુકાનો "
        "વચ્ચે દોડે છે."
    ),
    "ta": (
        "பழைய துறைமுக நகரம் குளிர்காலத்தில் மெதுவாக விழிக்கிறது. மீனவர்கள் தங்கள் வலைகளைச் சரிசெய்கிறார்கள், "
        "பேக்கரியிலிருந்து புதிய ரொட்டியின் மணம் தெரு முழுவதும் பரவுகிறது. மதியத்திற்குள் சந்தை மக்களால் "
        "நிறைகிறது, குழந்தைகள் கடைகளுக்கு இடையே ஓடுகிறார்கள்."
    ),
    "te": (
        "పాత ఓడరేవు పట్టణం చలికాలంలో నెమ్మదిగా మేల్కొంటుంది. జాలర్లు తమ వలలను బాగు చేసుకుంటారు, బేకరీ నుండి "
        "తాజా రొట్టె వాసన వీధి అంతా వ్యాపిస్తుంది. మధ్యాహ్నానికి మార్కెట్ జనంతో నిండిపోతుంది, పిల్లలు "
        "దుకాణాల మధ్య పరుగెత్తుతారు."
    ),
    "kn": (
        "ಹಳೆಯ ಬಂದರು ಪಟ್ಟಣವು ಚಳಿಗಾಲದಲ್ಲಿ ನಿಧಾನವಾಗಿ ಎಚ್ಚರಗೊಳ್ಳುತ್ತದೆ. ಮೀನುಗಾರರು ತಮ್ಮ ಬಲೆಗಳನ್ನು ಸರಿಪಡಿಸುತ್ತಾರೆ "
        "ಮತ್ತು ಬೇಕರಿಯಿಂದ ಹೊಸ ಬ್ರೆಡ್‌ನ ಪರಿಮಳ ಇಡೀ ಬೀದಿಯಲ್ಲಿ ಹರಡುತ್ತದೆ. ಮಧ್ಯಾಹ್ನದ ಹೊತ್ತಿಗೆ ಮಾರುಕಟ್ಟೆ ಜನರಿಂದ "
        "ತುಂಬುತ್ತದೆ ಮತ್ತು ಮಕ್ಕಳು ಅಂಗಡಿಗಳ ನಡುವೆ ಓಡುತ್ತಾರೆ."
    ),
    "ar": (
        "تستيقظ مدينة الميناء القديمة ببطء في الشتاء. يصلح الصيادون شباكهم بينما تملأ رائحة الخبز الطازج "
        "الشارع من المخبز. عند الظهر يمتلئ السوق بالناس ويركض الأطفال بين الأكشاك. وفي المساء يجتمع الجميع "
        "قرب الماء لمشاهدة القوارب وهي تعود إلى البيت."
    ),
    "fa": (
        "شهر بندری قدیمی در زمستان آرام آرام بیدار می‌شود. ماهیگیران تورهای خود را تعمیر می‌کنند و بوی نان تازه "
        "از نانوایی در تمام خیابان می‌پیچد. تا ظهر بازار پر از مردم می‌شود و بچه‌ها میان غرفه‌ها می‌دوند. عصر "
        "همه کنار آب جمع می‌شوند تا بازگشت قایق‌ها را تماشا کنند."
    ),
    "ur": (
        "پرانا بندرگاہ والا شہر سردیوں میں آہستہ آہستہ جاگتا ہے۔ مچھیرے اپنے جال ٹھیک کرتے ہیں اور بیکری سے "
        "تازہ روٹی کی خوشبو پوری گلی میں پھیل جاتی ہے۔ دوپہر تک بازار لوگوں سے بھر جاتا ہے اور بچے دکانوں کے "
        "درمیان دوڑتے ہیں۔"
    ),
    "th": (
        "เมืองท่าเก่าตื่นขึ้นอย่างช้าๆ ในฤดูหนาว ชาวประมงซ่อมแหของพวกเขา ขณะที่ร้านเบเกอรี่ทำให้ถนนทั้งสายหอมกลิ่น"
        "ขนมปังสด พอถึงเที่ยงตลาดก็เต็มไปด้วยผู้คน และเด็กๆ วิ่งเล่นระหว่างแผงขายของ"
    ),
    "ko": (
        "오래된 항구 도시는 겨울에 천천히 깨어난다. 어부들은 그물을 고치고 빵집에서는 갓 구운 빵 냄새가 거리 "
        "전체에 퍼진다. 정오가 되면 시장은 사람들로 가득 차고 아이들은 가판대 사이를 뛰어다닌다. 저녁이 되면 "
        "모두 물가에 모여 배들이 집으로 돌아오는 것을 바라본다."
    ),
    "ja": (
        "古い港町は冬になるとゆっくりと目を覚ます。漁師たちは網を直し、パン屋からは焼きたてのパンの香りが通り"
        "いっぱいに広がる。昼には市場が人でにぎわい、子どもたちは屋台の間を走り回る。"
    ),
    "zh": (
        "这座古老的港口小城在冬天慢慢醒来。渔民们修补渔网，面包店的香味飘满了整条街。到了中午，市场里挤满了人，"
        "孩子们在摊位之间跑来跑去。傍晚，大家聚在水边，看着渔船一艘艘回家。"
    ),
    "nl": (
        "De oude havenstad wordt in de winter langzaam wakker. De vissers repareren hun netten terwijl de "
        "bakkerij de straat vult met de geur van vers brood. Tegen de middag is de markt vol mensen en rennen "
        "de kinderen tussen de kramen. 's Avonds komt iedereen bij het water samen om de boten thuis te zien "
        "komen."
    ),
    "pl": (
        "Stare miasto portowe budzi się zimą powoli. Rybacy naprawiają swoje sieci, a z piekarni na całą "
        "ulicę rozchodzi się zapach świeżego chleba. W południe targ jest pełen ludzi, a dzieci biegają "
        "między straganami. Wieczorem wszyscy zbierają się nad wodą, żeby patrzeć, jak łodzie wracają do domu."
    ),
    "tr": (
        "Eski liman kasabası kışın yavaş yavaş uyanır. Balıkçılar ağlarını onarırken fırın bütün sokağı taze "
        "ekmek kokusuyla doldurur. Öğlene doğru pazar insanlarla dolar ve çocuklar tezgahların arasında koşar. "
        "Akşam herkes teknelerin eve dönüşünü izlemek için suyun kenarında toplanır."
    ),
}

# One sentence each: short answers are where detectors disagree most.
SHORT_TEXTS: dict[str, str] = {
    "en": "i think the answer is yes, but only on weekends",
    "ru": "Да, я согласен с этим решением.",
    "de": "Ja, ich bin damit einverstanden.",
    "fr": "Oui, je suis d'accord avec cette idée.",
    "es": "Sí, estoy de acuerdo con eso.",
    "hi": "हाँ, मैं इससे सहमत हूँ।",
    "ne": "हो, म यसमा सहमत छु।",
    "mr": "होय, मी याच्याशी सहमत आहे.",
    "sw": "Ndiyo, nakubaliana na hilo.",
    "vi": "Vâng, tôi đồng ý với điều đó.",
    "ko": "네, 저도 그렇게 생각합니다.",
    "fi": "Kyllä, olen samaa mieltä.",
    "it": "Sì, sono d'accordo.",
    "pt": "Sim, eu concordo com isso.",
    "ar": "نعم، أنا أوافق على ذلك.",
}

# Plain English sentences to build texts with a known shape (sentence and word counts).
ENGLISH_SENTENCES: tuple[str, ...] = (
    "The library opens at nine in the morning.",
    "Dr. Patel gave a short talk about sleep and memory.",
    "We walked along the river until the sun went down.",
    "Prices rose by 3.5 percent in the last quarter.",
    "Is this the right way to the station?",
    "The U.S. team won the final match!",
    'She said, "Bring an umbrella."',
    "Most birds in the park are sparrows, e.g. the brown ones near the pond.",
    "The meeting ended at 5 p.m. on Friday.",
    "Nobody expected the bridge to be finished so early.",
    "Mr. Jones keeps bees in his garden.",
    "What a wonderful surprise that was!",
    "The recipe needs two eggs, flour and a little salt.",
    "Our neighbours painted their fence bright blue.",
    "It rained all week... then the sky finally cleared.",
    "The museum has a new exhibit on ancient maps.",
)
